"""A minimal Flask app: the image the Flask pipeline builds."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello from the framework's Flask example!\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
