
ç
expÖ
1

epochs
1e3005e-324(

lr
10(accuracy@
	hyperband
r_l1e300
eta1e300
resource_nameepochs( (