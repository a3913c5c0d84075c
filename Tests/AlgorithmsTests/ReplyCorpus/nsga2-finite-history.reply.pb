
Q

lr0.017

momentum0.5

layers6

batch16


optsgdexp-nsga2-c
R

lr0.017

momentum0.5

layers6

batch16

optftrlexp-nsga2-d
Q

lr0.017

momentum0.9

layers4

batch32


optsgdexp-nsga2-e