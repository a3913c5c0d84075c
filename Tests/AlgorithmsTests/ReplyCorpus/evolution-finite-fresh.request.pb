
è
expà
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

optsgdadamftrl(accuracy7
	evolution
population_size4
tournament_size2(0( (