
•

lr0.078

momentum0.9

layers4

batch16

optftrl

epochs3exp-bohb-1-c-0-c/
*bohb.suggestion.katib.kubeflow.org/bracket1
”

lr0.027

momentum0.5

layers4

batch16


optsgd

epochs3exp-bohb-1-d-0-d/
*bohb.suggestion.katib.kubeflow.org/bracket1
”

lr0.047

momentum0.5

layers6

batch16


optsgd

epochs9exp-bohb-2-e-0-e/
*bohb.suggestion.katib.kubeflow.org/bracket0