
ô

lr0.00492719628527117

dropout0.034552896541172995

scale2.311823876875193

wd0.013684762967785525

units270


depth7

k-2

batch32


optsgdexp-pbt-0-0-0-01
,pbt.suggestion.katib.kubeflow.org/generation0
ñ

lr0.4868814741510354

dropout0.02365148801700334

scale1.3010824426333756

wd0.037986021068649414


units7


depth1

k0

batch64

optftrlexp-pbt-0-1-0-11
,pbt.suggestion.katib.kubeflow.org/generation0
ñ

lr0.003072902647326844

dropout0.10653736965206573

scale1.264521630856413

wd0.08366433871280238

units56


depth7

k0

batch64


optsgdexp-pbt-0-2-0-21
,pbt.suggestion.katib.kubeflow.org/generation0