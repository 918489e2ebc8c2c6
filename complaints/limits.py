"""How much free text each field takes: about what the paper forms have room for
(《住户投诉意见表》, 《投诉处置记录表》), with room for a letter (来函) copied in whole.
Forms show the limit (maxlength) and the services refuse longer text with a clear
message, so nothing reaches the database that a clerk could not have written down."""

DESCRIPTION = 5000  # what happened (a transcribed letter can be long)
DEMAND = 1000  # the resident's demand
NOTE = 2000  # handling notes, log notes, reasons, interim measures, decisions
