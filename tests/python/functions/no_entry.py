def something_else():
    return 1
