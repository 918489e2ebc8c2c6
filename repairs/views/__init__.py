"""Thin views: fetch through the scoping selector (``selectors.orders_for``), validate
with a form, call one service, redirect. A refused action becomes a message on the page
it came from; nothing is half-saved."""
