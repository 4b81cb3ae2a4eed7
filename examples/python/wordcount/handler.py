"""A Lambda-style package: a helper module and a data file, read relative to the package root."""
import json

from text.words import count_words

with open("data/stopwords.json") as f:
    STOPWORDS = set(json.load(f))


def handler(event, context):
    counts = count_words(event.get("text", ""), STOPWORDS)
    return {"call": context.aws_request_id, "top": counts.most_common(3)}
