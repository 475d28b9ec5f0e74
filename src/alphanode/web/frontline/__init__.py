"""The front line's parts, composed by ``web/middleware.py`` (one thin ASGI middleware).

- ``exchange``: the typed per-request object every part reads and writes;
- ``rules``: which cache rule a path falls under, and when the page cache is bypassed;
- ``edge``: answers given without the app (trailing-slash 308, /favicon.ico, a bad query);
- ``version``: the content version, read off the event loop, and when it last changed;
- ``pagecache``: the in-process page cache (an LRU of representations);
- ``representation``: one answer's body with its encoded variants, ETags and headers;
- ``encoding``: Accept-Encoding negotiation and compression (gzip, brotli);
- ``conditional``: ETags, HTTP dates, If-None-Match / If-Modified-Since and the one 304;
- ``security``: the headers every response carries;
- ``views``: the view-counting hook; ``logline``: the access-log line.
"""
