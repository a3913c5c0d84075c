// placeholder; replaced by the executable
print("suggestion-server")
