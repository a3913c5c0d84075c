
Å

lr0.001

momentum0.6

layers4

batch32


optsgdexp-pbt-2-1-9-c1
,pbt.suggestion.katib.kubeflow.org/generation2;
(pbt.suggestion.katib.kubeflow.org/parentexp-pbt-1-1-2-8
Æ

lr0.002

momentum0.5

layers6

batch64

optadamexp-pbt-2-4-a-d1
,pbt.suggestion.katib.kubeflow.org/generation2;
(pbt.suggestion.katib.kubeflow.org/parentexp-pbt-1-4-2-9
Æ

lr0.017

momentum0.6

layers8

batch32

optftrlexp-pbt-3-0-b-e1
,pbt.suggestion.katib.kubeflow.org/generation3;
(pbt.suggestion.katib.kubeflow.org/parentexp-pbt-2-0-6-a