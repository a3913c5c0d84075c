
Î
expÆ
’

lr
0.10.001"0.001(

momentum
0.90.5"0.1(

layers
82"2(

batch321664(

optsgdadamftrl(accuracy
nsga2
population_size4(0( (