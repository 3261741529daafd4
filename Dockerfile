FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system --home /var/lib/unionplan unionplan && mkdir -p /var/lib/unionplan/media \
    && chown -R unionplan /var/lib/unionplan
USER unionplan
EXPOSE 8000
