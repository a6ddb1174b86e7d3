"""Reading pages: bytes on disk in, page text and the page's title out.

The first step of the data flow. A reader knows one form people hold pages in (the wiki's markup
source, the June 2012 backup files); the markup step turns what it reads into the page model.
"""
