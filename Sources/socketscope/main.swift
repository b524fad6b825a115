print("socketscope")
