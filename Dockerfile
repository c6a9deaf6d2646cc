FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY store store
COPY api api
COPY reports reports
COPY sg989 sg989
RUN pip install --no-cache-dir ".[postgres]"
USER nobody
CMD ["sg989", "worker"]
