// placeholder; replaced by the generator
print("katib-codegen: not yet written")
