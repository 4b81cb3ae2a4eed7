def main(args):
    try:
        open("/function/readonly.py", "a").write("# changed")
        changed = True
    except OSError as e:
        changed = type(e).__name__
    return {"changed": changed, "cwd_listing": sorted(__import__("os").listdir("."))}
