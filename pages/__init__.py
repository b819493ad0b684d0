"""The page cache: public pages answered without rendering them again until they change.

Views opt in with ``@cached_page`` (``pages.decorators``) and declare the query parameters they
read with ``declare_query`` (``pages.store``). The site works without this app, only slower:
remove ``"pages"`` from INSTALLED_APPS and its middleware goes too (undersigned/settings.py).
"""
