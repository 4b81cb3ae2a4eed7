# Module-level data a call changes must never reach the next call.
COUNT = 0
SEEN = []


def main(args):
    global COUNT
    COUNT += 1
    SEEN.append(args)
    with open("/tmp/scratch.txt", "a") as f:
        f.write("x")
    with open("/tmp/scratch.txt") as f:
        scratch = f.read()
    return {"count": COUNT, "seen": len(SEEN), "scratch": scratch}
