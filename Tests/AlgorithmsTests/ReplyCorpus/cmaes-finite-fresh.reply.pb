
ç

lr0.009

momentum0.6

layers4

batch16

optftrlexp-cmaes-0-0-0-03
.cmaes.suggestion.katib.kubeflow.org/generation0
ç

lr0.026

momentum0.7

layers6

batch16

optftrlexp-cmaes-0-0-1-13
.cmaes.suggestion.katib.kubeflow.org/generation0
ç

lr0.004

momentum0.8

layers4

batch16

optftrlexp-cmaes-0-0-2-23
.cmaes.suggestion.katib.kubeflow.org/generation0