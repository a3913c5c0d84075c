
R

lr0.002

momentum0.7

layers4

batch64

optadamexp-nsga2-0
R

lr0.024

momentum0.6

layers4

batch32

optftrlexp-nsga2-1
R

lr0.004

momentum0.8

layers6

batch32

optftrlexp-nsga2-2