
ÿ

lr0.00003745857104619175

dropout0.19793465290668577

scale0.9380124459793111

wd0.03790476034505742


units1


depth7

k1

batch16


optsgd

epochs3exp-bohb-1-c-0-c/
*bohb.suggestion.katib.kubeflow.org/bracket1
ÿ

lr0.00001083074769046343

dropout0.07013571017691866

scale2.07644026947737

wd0.0948181833926362

units224


depth4

k3

batch64

optftrl

epochs3exp-bohb-1-d-0-d/
*bohb.suggestion.katib.kubeflow.org/bracket1
þ

lr0.08872410995485634

dropout-0.02002628256418923

scale0.7511328786449291

wd0.033690572787751394


units5


depth1

k3

batch64


optsgd

epochs9exp-bohb-2-e-0-e/
*bohb.suggestion.katib.kubeflow.org/bracket0