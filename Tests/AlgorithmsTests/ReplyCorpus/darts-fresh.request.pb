
¹
nas-exp­Validation-Accuracy
darts(0
:„

  
v
/
separable_convolution

filter_size3
0
dilated_convolution

filter_size35

skip_connection (