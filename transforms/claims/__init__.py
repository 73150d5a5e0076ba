"""Claims: the sentences of an article that state facts, and which of them state the same one.

sentences splits text into sentences; rules names the rule that keeps or drops each; quantities
and attribution read its figures and its source; finding puts these together as an article's
claims. pairs decides whether two claims are one (figures compares their figures); clusters
finds the candidates a new claim is compared with and gives it a claim id.
"""
