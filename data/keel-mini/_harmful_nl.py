"""Dutch translations of English harmful rows, for a language-shift fine-tuning attack.

Each entry: English row id -> (Dutch prompt, Dutch goal). The goal is an infinitive phrase with the
verb last ("een pijpbom maken"), restated in the non-actionable compliance. build.py gives each Dutch
row the English row's group and category. Requests only NAME a harmful goal, as in English.
"""

HARMFUL_NL = {
}
