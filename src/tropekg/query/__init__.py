"""Saved SPARQL queries: ``queries/*.rq`` with their ``#+`` headers in, bound queries and formatted
answers out.
"""
