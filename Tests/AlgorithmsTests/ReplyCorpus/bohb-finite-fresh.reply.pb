
”

lr0.002

momentum0.9

layers6

batch64


optsgd

epochs1exp-bohb-0-0-0-0/
*bohb.suggestion.katib.kubeflow.org/bracket2
•

lr0.017

momentum0.6

layers4

batch64

optftrl

epochs1exp-bohb-0-1-0-1/
*bohb.suggestion.katib.kubeflow.org/bracket2
•

lr0.027

momentum0.7

layers6

batch32

optftrl

epochs1exp-bohb-0-2-0-2/
*bohb.suggestion.katib.kubeflow.org/bracket2