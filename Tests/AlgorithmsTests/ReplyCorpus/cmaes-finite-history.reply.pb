
ç

lr0.005

momentum0.6

layers6

batch32

optftrlexp-cmaes-0-0-c-c3
.cmaes.suggestion.katib.kubeflow.org/generation0
å

lr0.027

momentum0.8

layers6

batch32


optsgdexp-cmaes-0-0-d-d3
.cmaes.suggestion.katib.kubeflow.org/generation0
å

lr0.029

momentum0.9

layers4

batch32


optsgdexp-cmaes-0-0-e-e3
.cmaes.suggestion.katib.kubeflow.org/generation0