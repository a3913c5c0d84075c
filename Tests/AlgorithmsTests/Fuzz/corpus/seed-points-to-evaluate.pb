
Ê
expÂ
A

lr
0.10.001(

n
91(

optsgdadam(accuracym
tpef
points_to_evaluateP[{"lr": "0.01", "n": 3, "opt": "adam"}, {"lr": "0.002", "n": "7", "opt": "sgd"}](@
t0#!


lr0.01

n3

optadam"

accuracy0.5 (