
ˆ

lr0.009

momentum0.8

layers6

batch64


optsgdexp-pbt-0-0-0-01
,pbt.suggestion.katib.kubeflow.org/generation0
ˆ


lr0.04

momentum0.8

layers4

batch16

optftrlexp-pbt-0-1-0-11
,pbt.suggestion.katib.kubeflow.org/generation0
‰

lr0.001

momentum0.5

layers6

batch64

optftrlexp-pbt-0-2-0-21
,pbt.suggestion.katib.kubeflow.org/generation0