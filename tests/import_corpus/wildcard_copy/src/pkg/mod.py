P = "p"
