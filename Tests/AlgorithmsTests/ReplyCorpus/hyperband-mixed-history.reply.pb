
…

lr0.007456206968069222

dropout0.04364309964698887

scale0.49219180395182943

wd0.02799617204426802

units670

depth10

k3

batch16

optftrl

epochs3exp-hb-1-c-0-c4
/hyperband.suggestion.katib.kubeflow.org/bracket1
‚

lr0.09349396649568073

dropout0.06469480064650057

scale1.4780186168040677

wd0.004548848500939562

units134


depth1

k1

batch64


optsgd

epochs3exp-hb-1-d-0-d4
/hyperband.suggestion.katib.kubeflow.org/bracket1
ƒ

lr0.0020467084091042066

dropout0.03279335823006835

scale0.5436292025328179

wd0.06676715241986533

units344


depth7

k1

batch16


optsgd

epochs9exp-hb-2-e-0-e4
/hyperband.suggestion.katib.kubeflow.org/bracket0