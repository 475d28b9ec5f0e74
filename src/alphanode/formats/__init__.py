"""Pure readers and writers: the scraped-page text format and canonical JSON/JSONL."""
