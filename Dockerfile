FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# pg_dump / pg_restore for `manage.py backup` and `restore` (Debian 12's are version 15, as the database)
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system --home /var/lib/unionplan unionplan \
    && mkdir -p /var/lib/unionplan/media /var/lib/unionplan/staticfiles /var/lib/unionplan/backups \
    && chown -R unionplan /var/lib/unionplan
USER unionplan
EXPOSE 8000
