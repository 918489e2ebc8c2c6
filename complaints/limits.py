"""How much free text each field takes: about what the paper forms have room for
(《住户投诉意见表》, 《投诉处置记录表》). Forms show the limit (maxlength) and the
services refuse longer text with a clear message, so nothing reaches the database that
a clerk could not have written on paper."""

DESCRIPTION = 1000  # what happened
DEMAND = 500  # the resident's demand
NOTE = 1000  # handling notes, log notes, reasons, interim measures, decisions
