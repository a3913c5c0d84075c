
ù

lr0.07969013449070016

dropout0.08025993254688477

scale0.7109511529131597

wd0

units53

depth10

k1

batch16


optsgdexp-pbt-2-1-9-c1
,pbt.suggestion.katib.kubeflow.org/generation2;
(pbt.suggestion.katib.kubeflow.org/parentexp-pbt-1-1-3-8
∞

lr0.00682667388974352

dropout0.01871633777631898

scale0.5706285836475292

wd0.04730825720587259

units14


depth1

k-3

batch16

optadamexp-pbt-3-4-a-d1
,pbt.suggestion.katib.kubeflow.org/generation3;
(pbt.suggestion.katib.kubeflow.org/parentexp-pbt-2-4-6-9
´

lr0.0085333423621794

dropout0.218716337776319

scale0.7132857295594115

wd0.0673082572058726

units17


depth1

k-3

batch32


optsgdexp-pbt-3-0-a-e1
,pbt.suggestion.katib.kubeflow.org/generation3;
(pbt.suggestion.katib.kubeflow.org/parentexp-pbt-2-4-6-9