
è

lr0.002

momentum0.5

layers6

batch16


optsgd

epochs1exp-asha-0-0-0,
'asha.suggestion.katib.kubeflow.org/rung0
è

lr0.001

momentum0.8

layers6

batch32


optsgd

epochs1exp-asha-1-0-1,
'asha.suggestion.katib.kubeflow.org/rung0
è

lr0.055

momentum0.6

layers6

batch32


optsgd

epochs1exp-asha-2-0-2,
'asha.suggestion.katib.kubeflow.org/rung0