import collections
import re

_WORD = re.compile(r"[a-z']+")


def count_words(text, stopwords):
    return collections.Counter(w for w in _WORD.findall(text.lower()) if w not in stopwords)
