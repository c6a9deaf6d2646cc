FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 SG989_LOG_FORMAT=json
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
# 8000: the API (uvicorn --factory api.main:app_factory); 9464: the worker's Temporal SDK metrics
EXPOSE 8000 9464
CMD ["sg989", "worker"]
