
ÿ

lr0.00025296392768616295

dropout-0.1274954291040802

scale2.327505517403172

wd0.09239680628439892


units1


depth1

k2

batch64

optftrl

epochs1exp-bohb-0-0-0-0/
*bohb.suggestion.katib.kubeflow.org/bracket2
þ

lr0.05960891875673057

dropout0.049744253091439594

scale2.31273640403372

wd0.08953861597154418

units284


depth1

k1

batch16

optftrl

epochs1exp-bohb-0-1-0-1/
*bohb.suggestion.katib.kubeflow.org/bracket2
ÿ

lr0.018547079625595694

dropout-0.06785766872528598

scale0.4514671579932628

wd0.08953911110335028


units4


depth1

k0

batch32

optftrl

epochs1exp-bohb-0-2-0-2/
*bohb.suggestion.katib.kubeflow.org/bracket2