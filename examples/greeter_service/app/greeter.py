"""The greeter service: a second project's app, built with the shared pipeline."""

import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello from the greeter service!\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
