"""Themen-Abos: a user subscribes to a topic, a Drucksache or a committee, and hears of new and changed papers by
e-mail, in an Atom feed and in the chat."""
