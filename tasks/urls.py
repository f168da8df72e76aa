from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.task_list_page, name="list"),
    path("new/", views.task_create_page, name="create"),
    path("quick-add/", views.task_quick_add_page, name="quick-add"),
    path("<int:task_id>/edit/", views.task_edit_page, name="edit"),
    path("<int:task_id>/toggle/", views.task_toggle_page, name="toggle"),
    path("<int:task_id>/delete/", views.task_delete_page, name="delete"),
    path("activity/", views.activity_page, name="activity"),
    path("activity/<int:change_id>/undo/", views.activity_undo_page, name="activity-undo"),
]
