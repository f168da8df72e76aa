from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def chat_app_page(request):
    return render(request, "chat/chat_app.html", {})
