
k
expd
1

x
10.5"1e-16(

epochs	
271(accuracy
asha
resource_nameepochs(E
exp-asha-0-0-0

x0.7494

epochs1"

accuracy0.5 (