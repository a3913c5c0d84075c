
Ü

lr0.00005819558293941898

dropout0.07648129934252135

scale1.141552775926925

wd0.028798505008303166

units69

depth10

k-2

batch32

optftrl

epochs1exp-hb-0-0-0-04
/hyperband.suggestion.katib.kubeflow.org/bracket2
É

lr0.00003302855492296665

dropout0.17996421480612146

scale2.1089400601567827

wd0.0103979578116839

units16


depth7

k-1

batch16


optsgd

epochs1exp-hb-0-1-0-14
/hyperband.suggestion.katib.kubeflow.org/bracket2
Å

lr0.4884802577899817

dropout0.07969020031178686

scale0.34875714323146784

wd0.09238692817064786

units66


depth7

k2

batch64

optftrl

epochs1exp-hb-0-2-0-24
/hyperband.suggestion.katib.kubeflow.org/bracket2