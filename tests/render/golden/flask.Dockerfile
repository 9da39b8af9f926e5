FROM python:3.11-slim AS stage-0
WORKDIR "/app"
ENV PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1"
COPY ["c-ad857f47d005d3a0/requirements.txt", "./requirements.txt"]
RUN --mount=type=cache,target=/root/.cache/pip,id=pipeline-b0f39709fe45:/root/.cache/pip ["pip", "install", "-r", "requirements.txt"]
COPY ["c-0a87e06685187c84/", "./"]
USER 1000:1000
EXPOSE 5000/tcp
CMD ["flask", "--app", "app", "run", "--host=0.0.0.0"]
