"""The search cases' fixtures (tests/searchcases.py), for the tests here that search."""

from tests.searchcases import case, case_url, corpus, small

__all__ = ["case", "case_url", "corpus", "small"]
