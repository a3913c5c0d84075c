
√
nas-exp∑Validation-Accuracy
enas(0
:è

  
Ä
?
convolution0

filter_size35

stride	
21"1
=
	reduction0
.
reduction_typemax_poolingavg_pooling (