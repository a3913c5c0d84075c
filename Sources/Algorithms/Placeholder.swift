// placeholder; replaced by the algorithms foundation
