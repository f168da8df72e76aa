"""The peer's app (../shared/peer/app.py, FastAPI + SQLModel) with the three routes it lacks, so
bench/peer.py can time the same four requests on both stacks.

The peer ships only the plain list. The filtered list, one task and a create are added here in
the peer's own style (the same engine, session and `current_user` dependency, one SQLModel
statement each, no extra work such as a journal or live events), as its spec would write them.
Run by the peer's own virtualenv (bench/peer.py puts ../shared/peer on PYTHONPATH); it imports
nothing from this project.
"""

import datetime as dt
from typing import Optional

from app import Page, Task, TaskOut, User, app, current_user, get_session  # noqa: F401 - the peer's module
from fastapi import Depends, HTTPException
from sqlmodel import Session, SQLModel, func, select


class TaskIn(SQLModel):
    title: str
    description: str = ""
    priority: str = "medium"
    due_date: Optional[dt.date] = None


@app.get("/api/tasks/filtered", response_model=Page)
def list_filtered(
    completed: Optional[bool] = None,
    limit: int = 50,
    offset: int = 0,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
):
    """Open tasks soonest due first (undated last): `?completed=false&ordering=due_date` on ours."""
    where = [Task.owner_id == user.id]
    if completed is not None:
        where.append(Task.completed == completed)
    total = session.exec(select(func.count()).select_from(Task).where(*where)).one()
    rows = session.exec(
        select(Task).where(*where).order_by(Task.due_date.asc().nulls_last(), Task.id).offset(offset).limit(min(limit, 100))
    ).all()
    return Page(count=total, results=rows)


@app.get("/api/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)):
    task = session.exec(select(Task).where(Task.id == task_id, Task.owner_id == user.id)).first()
    if task is None:
        raise HTTPException(404)
    return task


@app.post("/api/tasks/", response_model=TaskOut, status_code=201)
def create_task(body: TaskIn, user: User = Depends(current_user), session: Session = Depends(get_session)):
    now = dt.datetime.now(dt.timezone.utc)
    task = Task(
        owner_id=user.id, title=body.title.strip(), description=body.description, completed=False,
        completed_at=None, priority=body.priority, due_date=body.due_date, created_at=now, updated_at=now,
    )
    session.add(task)
    session.commit()
    session.refresh(task)
    return task
